"""
The actions a page sent back offers, in the site's words (locale/en: "Resubmit for review",
"Cancel review").

Wagtail offers two ways to send a page back into review once a reviewer has requested changes:
"Resubmit" runs the step that sent it back again; "Restart workflow" starts the workflow again
from its first step. In a workflow of one step ("Editorial review" has only "Reviewer approval")
the two do the same thing to an editor, and two buttons for one thing make them wonder which to
choose, so "Restart" is left out there. A workflow of several steps keeps it ("Restart review
from the first step"): there it is a different choice.
"""

from wagtail.admin.action_menu import RestartWorkflowMenuItem


def steps_in(workflow):
    return workflow.workflow_tasks.filter(task__active=True).count()


def hide_restart_when_same_as_resubmit(menu_items, request, context):
    """construct_page_action_menu: no "Restart" beside "Resubmit" in a workflow of one step."""
    restart = [item for item in menu_items if isinstance(item, RestartWorkflowMenuItem)]
    if not restart:
        return
    page = context.get("page")
    workflow_state = page.current_workflow_state if page is not None else None
    if workflow_state is not None and steps_in(workflow_state.workflow) > 1:
        return
    for item in restart:
        menu_items.remove(item)
