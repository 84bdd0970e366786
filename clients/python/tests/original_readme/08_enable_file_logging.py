# The original library's README, example 8 ("Optional File Logging" > "Enable File
# Logging"), unchanged except its import:
#   from helpers.agent_communication.file_logger import ...
#     -> from agentd_client.file_logger import ...
from agentd_client.file_logger import enable_file_logging

# Enable file logging with custom directory
file_logger = enable_file_logging(base_dir="./logs")

# File logging is now active - all agent activities will be logged
