# The original library's README, example 5 ("Monitoring" > "Performance Metrics"). The
# example has no import line; the one it needs is added, the rest is unchanged.
from agentd_client import SupervisorCoordinator

def get_performance_metrics():
    coordinator = SupervisorCoordinator("metrics")
    
    return {
        "message_throughput": coordinator.queue_manager.get_queue_stats()["messages_per_minute"],
        "agent_utilization": coordinator.agent_registry.get_registry_stats()["average_load"],
        "task_completion_rate": coordinator.get_coordination_stats()["completion_rate"]
    }
