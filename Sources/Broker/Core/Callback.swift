/// A callback wired after init and called from any thread, boxed in a class.
///
/// Why a class: a bare closure kept in a generic lock box and read with `withLockedValue { $0 }`
/// passes through the box's generic `inout` access, which re-abstracts it (wraps it in a
/// thunk) and writes that back. Every call then adds a thunk, and the calls get slower and
/// deeper without bound (measured: a daemon receiving other daemons' wake-ups was 50 000
/// frames deep after a minute). A class reference goes through untouched.
final class Callback<Input, Output>: Sendable {
    let call: @Sendable (Input) -> Output

    init(_ call: @escaping @Sendable (Input) -> Output) {
        self.call = call
    }
}
