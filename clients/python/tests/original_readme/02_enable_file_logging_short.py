# The original library's README, example 2 ("Optional File Logging", short form), unchanged
# except its import:
#   from file_logger import ...  -> from agentd_client.file_logger import ...
from agentd_client.file_logger import enable_file_logging

# Enable for audit trails (disabled by default)
enable_file_logging("./logs")

# Creates daily JSON files:
# - agent_activity_YYYY-MM-DD.jsonl
# - message_audit_YYYY-MM-DD.jsonl  
# - task_history_YYYY-MM-DD.jsonl
