"""agentd-client: the Python client of agentd, the message broker for autonomous agents.

Layers, lowest first:

- :class:`Client` (threads) and :class:`AsyncClient` (asyncio): one connection, every op
  of protocol v1, pipelining, pushed events, reconnect, TLS, typed errors
  (:mod:`agentd_client.errors`);
- :class:`Worker`: runs a handler per assigned task, reports progress and results,
  heartbeats, acks only after the handler finished;
- the original library's API, same names: :class:`MessageQueueManager`,
  :class:`AgentMessage`, :class:`MessageType`, :class:`MessagePriority`,
  :class:`AgentRole`, :class:`AgentRegistry`, :class:`SupervisorCoordinator`, with a mock
  mode (:class:`MockBroker`) that needs no daemon.
"""

from ._ops import AgentInfoDict, AssignResult, Message, RequestResult, SendResult, TaskInfoDict
from .agent_registry import AgentInfo, AgentRegistry
from .aio import AsyncClient, connect_async
from .client import DEFAULT_PORT, Client, connect
from .errors import (ERROR_CLASSES, AgentdError, BadJson, BadRequest, ConnectionLost, Forbidden, FrameTooLarge,
                     Internal, NotFound, Overloaded, ProtocolError, RequestTimeout, Unauthenticated, Unavailable,
                     UnknownOp, error_from_reply)
from .message_protocol import (AgentMessage, AgentRole, MessagePriority, MessageType, TaskRequest, TaskResponse,
                               create_broadcast_message, create_heartbeat_message, create_task_request_message)
from .mock import MockBroker, MockClient
from .queue_manager import MessageQueueManager, create_simple_queue_manager
from .supervisor_coordinator import SupervisorCoordinator, TaskAssignment
from .worker import TaskContext, Worker

__version__ = "0.1.0"

__all__ = [
    "AgentInfo", "AgentInfoDict", "AgentMessage", "AgentRegistry", "AgentRole", "AgentdError", "AssignResult",
    "AsyncClient", "BadJson", "BadRequest", "Client", "ConnectionLost", "DEFAULT_PORT", "ERROR_CLASSES",
    "Forbidden", "FrameTooLarge", "Internal", "Message", "MessagePriority", "MessageQueueManager", "MessageType",
    "MockBroker", "MockClient", "NotFound", "Overloaded", "ProtocolError", "RequestResult", "RequestTimeout", "SendResult",
    "SupervisorCoordinator", "TaskAssignment", "TaskContext", "TaskInfoDict", "TaskRequest", "TaskResponse",
    "Unauthenticated", "Unavailable", "UnknownOp", "Worker", "connect", "connect_async",
    "create_broadcast_message", "create_heartbeat_message", "create_simple_queue_manager",
    "create_task_request_message", "error_from_reply", "__version__",
]

# The original library's optional file logging (client-side daily JSONL audit files).
from .file_logger import FileLogger, disable_file_logging, enable_file_logging, get_file_logger  # noqa: E402

__all__ += ["FileLogger", "disable_file_logging", "enable_file_logging", "get_file_logger"]

# Failover (server lists), the asyncio worker and the I/O-free protocol core.
from ._core import Failover, ServerAddress  # noqa: E402
from .aio_worker import AsyncTaskContext, AsyncWorker  # noqa: E402
from .worker import TaskFields  # noqa: E402

__all__ += ["AsyncTaskContext", "AsyncWorker", "Failover", "ServerAddress", "TaskFields"]
from .worker import TaskCancelled  # noqa: E402

__all__ += ["TaskCancelled"]
