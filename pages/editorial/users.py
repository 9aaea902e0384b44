"""
The admin's user management, closed to privilege escalation.

Wagtail offers the "Administrator" (superuser) box to anyone who may add or change users
(wagtail/wagtail#14100), and lets them change a superuser's password. Members of our
Administrators group manage people, but only a superuser may make or change a superuser:
otherwise the group would be superusers in all but name. That holds for the user listing's bulk
actions too, which Wagtail checks against the "change user" permission alone (issue 22: an
administrator deactivated every superuser at once).
"""

from django.core.exceptions import PermissionDenied

from wagtail.users.views import bulk_actions, users


class SuperuserFieldOnlyForSuperusers:
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.request.user.is_superuser:
            # Left out of the form, the field is left out of the save: the account keeps its value.
            form.fields.pop("is_superuser", None)
        return form


class CreateView(SuperuserFieldOnlyForSuperusers, users.CreateView):
    pass


class EditView(SuperuserFieldOnlyForSuperusers, users.EditView):
    def dispatch(self, request, *args, **kwargs):
        if self.object.is_superuser and not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class UserViewSet(users.UserViewSet):
    add_view_class = CreateView
    edit_view_class = EditView


class SuperusersOnlyForSuperusers:
    """A bulk user action that leaves superusers out unless a superuser acts, and lists them on
    its confirmation page under "Only a superuser can change a superuser"."""

    def get_actionable_objects(self):
        objects, objects_without_access = super().get_actionable_objects()
        if self.request.user.is_superuser:
            return objects, objects_without_access
        # Wagtail's own check may already have refused a superuser (delete does): it moves to
        # our list, so the page gives the real reason once.
        refused = objects_without_access["items_with_no_access"]
        objects_without_access["items_with_no_access"] = [
            user for user in refused if not user.is_superuser
        ]
        objects_without_access["superusers_for_superusers_only"] = [
            user for user in [*objects, *refused] if user.is_superuser
        ]
        return [user for user in objects if not user.is_superuser], objects_without_access


# Registered under Wagtail's own action types (wagtail_hooks.py), these replace its three.
# Acting on oneself stays as Wagtail has it: it refuses self-deactivation and self-deletion, and
# allows assigning oneself a role, as the edit form allows one's own groups.


class SetActiveStateBulkAction(SuperusersOnlyForSuperusers, bulk_actions.SetActiveStateBulkAction):
    template_name = "pages/admin/users_bulk_set_active_state.html"


class AssignRoleBulkAction(SuperusersOnlyForSuperusers, bulk_actions.AssignRoleBulkAction):
    template_name = "pages/admin/users_bulk_assign_role.html"


class DeleteBulkAction(SuperusersOnlyForSuperusers, bulk_actions.DeleteBulkAction):
    template_name = "pages/admin/users_bulk_delete.html"


USER_BULK_ACTIONS = [SetActiveStateBulkAction, AssignRoleBulkAction, DeleteBulkAction]
