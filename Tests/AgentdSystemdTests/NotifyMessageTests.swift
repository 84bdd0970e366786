import Testing

@testable import AgentdSystemd

@Suite struct NotifyMessageTests {
    @Test func lines() {
        #expect(NotifyMessage.ready.line == "READY=1")
        #expect(NotifyMessage.stopping.line == "STOPPING=1")
        #expect(NotifyMessage.watchdog.line == "WATCHDOG=1")
        #expect(NotifyMessage.reloading.line == "RELOADING=1")
        #expect(NotifyMessage.status("serving listen=127.0.0.1:7420").line == "STATUS=serving listen=127.0.0.1:7420")
    }

    @Test func aStatusStaysOnOneLine() {
        // A newline would let the text set another variable, e.g. MAINPID.
        #expect(NotifyMessage.status("a\nMAINPID=1\r\nb").line == "STATUS=a MAINPID=1 b")
    }

    @Test func oneDatagramManyLines() {
        #expect(NotifyMessage.datagram([.ready, .status("ok")]) == "READY=1\nSTATUS=ok\n")
    }
}
