# The original library's README, example 3 (the "Assign a task" fragment after "That's it!").
# The README lost this example's beginning: what it shows starts inside a call
# ("    max_concurrent_tasks=3\n)"), so as printed it is a syntax error and cannot run
# unchanged. The lines between the two RECONSTRUCTED markers are our reconstruction of the
# missing head (imports, a coordinator, a worker registration ending with
# max_concurrent_tasks=3, as in the README's other examples); everything after them is
# the README's text, unchanged.
# --- RECONSTRUCTED (not in the README) ---
from agentd_client import AgentRole, MessagePriority, SupervisorCoordinator

coordinator = SupervisorCoordinator("supervisor-001")

# Register a worker agent
coordinator.agent_registry.register_agent(
    agent_id="python-worker-001",
    agent_role=AgentRole.WORKER,
    capabilities=["python", "api_development", "testing"],
# --- RECONSTRUCTED (end) ---
    max_concurrent_tasks=3
)

# Assign a task
task_id = coordinator.assign_task(
    task_type="api_development",
    description="Create user authentication API",
    parameters={"framework": "fastapi", "auth": "jwt"},
    required_capabilities=["python", "api_development"],
    priority=MessagePriority.HIGH
)

print(f"Task assigned: {task_id}")
