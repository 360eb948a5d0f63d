"""The categories and tags resources: one implementation, registered once per kind."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.extensions import Blueprint
from backend.api.labels.schemas import LabelIn, LabelListArguments, LabelOut
from backend.api.uow import get_uow
from backend.domain.labels import LabelKind
from backend.domain.permissions import Permission
from backend.models.labels import Label
from backend.repositories.base import Page
from backend.services import catalog


def label_blueprint(kind: LabelKind) -> Blueprint:
    """The resources of one kind of label, with schemas named after it in the spec
    (CategoryIn, TagOut, ...)."""
    singular = kind.singular
    schema_in = type(f"{singular.capitalize()}In", (LabelIn,), {"__doc__": f"A {singular}'s name."})
    schema_out = type(f"{singular.capitalize()}Out", (LabelOut,), {"__doc__": f"A {singular}."})
    blp = Blueprint(
        kind.value,
        __name__,
        url_prefix=f"/api/v1/{kind}",
        description=f"{kind.capitalize()} that group games.",
    )
    detail_endpoint = f"{kind}.LabelById"
    item_path = f"/api/v1/{kind}/{{label_id}}"

    @blp.route("")
    class Labels(MethodView):
        @blp.public
        @blp.etag
        @blp.lists(LabelListArguments, schema_out)
        @blp.doc(summary=f"List {kind}, by name, with how many games carry each.")
        def get(self, _arguments: Any, pagination_parameters: PaginationParameters) -> Page[Label]:
            repository = get_uow().labels(kind)
            return repository.list(
                page=pagination_parameters.page,
                page_size=pagination_parameters.page_size,
                options=repository.with_game_count,
            )

        @blp.requires(Permission.EDIT_CATALOG)
        @blp.creates(schema_in, schema_out, item_path, "label_id")
        @blp.doc(summary=f"Add a {singular}; its slug follows from the name.")
        def post(self, new_label: dict[str, Any]) -> tuple[Label, dict[str, str]]:
            label = catalog.add_label(get_uow(), current_principal(), kind, new_label["name"])
            blp.set_etag(catalog.label_version(label))
            return label, {"Location": url_for(detail_endpoint, label_id=label.id)}

    @blp.route("/<uuid:label_id>")
    class LabelById(MethodView):
        @blp.public
        @blp.reads_one(schema_out, item_path, "label_id")
        @blp.doc(summary=f"Get a {singular}.")
        def get(self, label_id: UUID) -> Label:
            label: Label = get_uow().labels(kind).get_with_game_count(label_id)
            blp.set_etag(catalog.label_version(label))
            return label

        @blp.requires(Permission.EDIT_CATALOG)
        @blp.changes(schema_in, schema_out, item_path, "label_id")
        @blp.doc(summary=f"Rename a {singular}; needs its ETag in If-Match.")
        def patch(self, changes: dict[str, Any], label_id: UUID) -> Label:
            uow, principal, version = get_uow(), current_principal(), blp.expected_version()
            name = changes["name"]
            label = catalog.rename_label(
                uow, principal, kind, label_id, name, expected_version=version
            )
            blp.set_etag(catalog.label_version(label))
            return label

        @blp.requires(Permission.EDIT_CATALOG)
        @blp.removes(HTTPStatus.CONFLICT)
        @blp.doc(summary=f"Remove a {singular} no game carries (409 otherwise); needs If-Match.")
        def delete(self, label_id: UUID) -> None:
            catalog.remove_label(
                get_uow(),
                current_principal(),
                kind,
                label_id,
                expected_version=blp.expected_version(),
            )

    return blp
