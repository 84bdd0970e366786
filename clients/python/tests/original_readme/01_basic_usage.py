# The original library's README, example 1 ("Basic Usage"), unchanged except its imports:
#   from queue_manager import ...     -> from agentd_client.queue_manager import ...
#   from message_protocol import ...  -> from agentd_client.message_protocol import ...
# Where it connects: AGENTD_HOST/AGENTD_PORT, or the mock with AGENT_COMMUNICATION_MODE=mock.
from agentd_client.queue_manager import MessageQueueManager
from agentd_client.message_protocol import AgentMessage, MessageType

# Initialize
queue = MessageQueueManager()

# Send message
message = AgentMessage(
    from_agent="agent_001",
    to_agent="agent_002", 
    message_type=MessageType.TASK_ASSIGNMENT,
    content={"task": "process_data"}
)
queue.send_message(message)

# Receive messages
messages = queue.get_messages("agent_002")
for msg in messages:
    print(f"From: {msg.from_agent}, Content: {msg.content}")
    queue.mark_processed(msg.message_id, "agent_002")
