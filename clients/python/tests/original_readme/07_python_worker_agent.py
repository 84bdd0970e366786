# The original library's README, example 7 ("Integration Examples" > "Specialized Worker
# Agent"). The example has no import lines; the ones it needs are added, the rest is
# unchanged. It calls self.execute_task(), which the README never defines: as written,
# every task therefore ends in its ERROR_REPORT branch; the test runs it as written and
# also through a subclass that supplies execute_task.
import time

from agentd_client import AgentMessage, AgentRegistry, AgentRole, MessageQueueManager, MessageType

class PythonWorkerAgent:
    def __init__(self, agent_id):
        self.agent_id = agent_id
        self.registry = AgentRegistry()
        self.queue = MessageQueueManager()
        
        # Register capabilities
        self.registry.register_agent(
            agent_id=agent_id,
            agent_role=AgentRole.WORKER,
            capabilities=["python", "fastapi", "postgresql", "testing"],
            max_concurrent_tasks=3
        )
    
    def start_listening(self):
        """Start processing tasks from the queue"""
        while True:
            messages = self.queue.get_messages(self.agent_id, limit=5)
            
            for message in messages:
                if message.message_type == MessageType.TASK_REQUEST:
                    self.process_task(message)
                    self.queue.mark_processed(message.message_id, self.agent_id)
            
            time.sleep(10)  # Poll every 10 seconds
    
    def process_task(self, message):
        """Process an assigned task"""
        task_data = message.content
        
        try:
            # Execute the task based on type
            result = self.execute_task(task_data)
            
            # Send completion response
            response = AgentMessage(
                message_id=f"response-{message.message_id}",
                from_agent=self.agent_id,
                to_agent=message.from_agent,
                message_type=MessageType.TASK_RESPONSE,
                content={
                    "task_id": task_data.get("task_id"),
                    "status": "completed",
                    "result": result,
                    "completion_percentage": 100
                }
            )
            self.queue.send_message(response)
            
        except Exception as e:
            # Send error response
            error_response = AgentMessage(
                message_id=f"error-{message.message_id}",
                from_agent=self.agent_id,
                to_agent=message.from_agent,
                message_type=MessageType.ERROR_REPORT,
                content={
                    "task_id": task_data.get("task_id"),
                    "error_type": "task_execution_failure",
                    "error_message": str(e)
                }
            )
            self.queue.send_message(error_response)
