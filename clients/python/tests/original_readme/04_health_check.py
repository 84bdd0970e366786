# The original library's README, example 4 ("Monitoring" > "Health Checks"). The example
# has no import line; the one it needs is added, the rest is unchanged.
from agentd_client import SupervisorCoordinator

def health_check():
    coordinator = SupervisorCoordinator("health-monitor")
    
    return {
        "database_connected": coordinator.queue_manager.is_connected(),
        "agents_registered": coordinator.agent_registry.get_registry_stats()["total_agents"],
        "queue_operational": len(coordinator.queue_manager.get_queue_stats()) > 0
    }
