# The original library's README, example 6 ("Integration Examples" > "Backend Supervisor
# Agent"), unchanged except its imports:
#   from helpers.agent_communication import SupervisorCoordinator
#     -> from agentd_client import SupervisorCoordinator, AgentRole
# (the example uses AgentRole without importing it; the import is added).
from agentd_client import SupervisorCoordinator, AgentRole

class BackendSupervisorAgent:
    def __init__(self):
        self.coordinator = SupervisorCoordinator("backend-supervisor-001")
        
        # Register this supervisor
        self.coordinator.agent_registry.register_agent(
            agent_id="backend-supervisor-001",
            agent_role=AgentRole.SUPERVISOR,
            capabilities=["project_management", "coordination"],
            max_concurrent_tasks=20
        )
    
    def create_comprehensive_project(self, project_idea, requirements):
        # Assign development tasks to specialized agents
        tasks = []
        
        # Backend development
        if "api" in requirements:
            task_id = self.coordinator.assign_task(
                task_type="api_development",
                description=f"Develop API for {project_idea}",
                parameters={"requirements": requirements},
                required_capabilities=["python", "api_development"]
            )
            tasks.append(task_id)
        
        # Frontend development
        if "ui" in requirements:
            task_id = self.coordinator.assign_task(
                task_type="ui_development", 
                description=f"Create UI for {project_idea}",
                parameters={"requirements": requirements},
                required_capabilities=["javascript", "react"]
            )
            tasks.append(task_id)
        
        return {"autonomous_tasks": tasks, "coordination_enabled": True}
