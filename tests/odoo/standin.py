"""The stand-in Odoo of these tests: ``OdooStandIn`` with the record methods its store
carries out (``Store.METHODS``: ``mail.activity.action_feedback``) dispatched to it, and
the store told the series, which decides how a done activity ends (17 and 18 delete a
To-Do, 19 archives it)."""

from __future__ import annotations

from typing import Any

from tests.support.odoo_standin import AccessError, OdooStandIn, Store


class StandIn(OdooStandIn):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store.major = self.major

    def execute(
        self,
        uid: int,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        via_json2: bool = False,
    ) -> Any:
        if method not in Store.METHODS:
            return super().execute(uid, model, method, args, kwargs, via_json2=via_json2)
        self.store.model(model)
        user = self.users.get(uid)
        if user is not None and user.read_only:
            raise AccessError(f"You are not allowed to modify '{model}' records.")
        params = dict(zip(Store.METHODS[method], args, strict=False))
        params.update(kwargs)
        params.pop("context", None)
        return self.store.run_method(model, method, params, uid=uid)
