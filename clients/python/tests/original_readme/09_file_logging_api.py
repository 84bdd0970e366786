# The original library's README, example 9 ("Optional File Logging" > "File Logging API"),
# unchanged except its import:
#   from helpers.agent_communication.file_logger import ...
#     -> from agentd_client.file_logger import ...
from agentd_client.file_logger import get_file_logger

# Get logger instance
logger = get_file_logger()

# Manual logging (automatic logging is handled by MessageQueueManager)
logger.log_agent_activity("agent_001", "status_change", {"new_status": "busy"})
logger.log_performance_metric("agent_001", "response_time", 125.5, "ms")
logger.log_error("agent_001", "connection_error", "Redis connection failed")

# Get logging statistics
stats = logger.get_log_stats()
print(f"Log files: {stats['log_files']}")

# Clean up old logs (optional)
logger.cleanup_old_logs(days_to_keep=30)
