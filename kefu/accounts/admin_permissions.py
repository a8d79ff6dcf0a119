"""Admin pages guarded by one permission, like the pages they mirror."""

from __future__ import annotations


def one_permission(permission: str) -> type:
    """A ModelAdmin mixin: viewing, adding, changing and deleting all need `permission`
    (e.g. every KPI setting needs `metrics.change_target`)."""

    class OnePermission:
        def _allowed(self, request) -> bool:
            return request.user.is_active and request.user.has_perm(permission)

        def has_module_permission(self, request) -> bool:
            return self._allowed(request)

        def has_view_permission(self, request, obj=None) -> bool:
            return self._allowed(request)

        def has_add_permission(self, request, obj=None) -> bool:
            return self._allowed(request)

        def has_change_permission(self, request, obj=None) -> bool:
            return self._allowed(request)

        def has_delete_permission(self, request, obj=None) -> bool:
            return self._allowed(request)

    return OnePermission
