"""Background tasks (django-tasks; the database backend needs no broker: ``db_worker``)."""

from django_tasks import task

from feidi_web.evaluations.services import evaluation_run_execute


@task()
def evaluation_run_task(run_id: int) -> str:
    return evaluation_run_execute(run_id=run_id).status
