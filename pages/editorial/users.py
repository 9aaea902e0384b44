"""
The admin's user management, closed to privilege escalation.

Wagtail offers the "Administrator" (superuser) box to anyone who may add or change users
(wagtail/wagtail#14100), and lets them change a superuser's password. Members of our
Administrators group manage people, but only a superuser may make or change a superuser:
otherwise the group would be superusers in all but name.
"""

from django.core.exceptions import PermissionDenied

from wagtail.users.views import users


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
