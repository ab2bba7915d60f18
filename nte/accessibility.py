"""The accessibility statement, public, in the form the Public Sector Bodies Accessibility
Regulations 2018 ask for (the model statement of the Government Digital Service)."""

from __future__ import annotations

from litestar import get
from litestar.datastructures import State
from litestar.response import Template

__all__ = ["accessibility_statement"]


@get("/accessibility", include_in_schema=False)
async def accessibility_statement(state: State) -> Template:
    # Public, like the login page: someone who cannot sign in must still find out how to
    # report it, and a council's buyer must be able to read it before buying.
    return Template(
        template_name="accessibility.html",
        context={"contact": state.settings.accessibility_contact},
    )
