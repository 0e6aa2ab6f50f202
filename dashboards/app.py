"""The officers' triage room: `monitor dashboard` (or `streamlit run dashboards/app.py`).

Before login only the login form exists; after login the navigation holds the pages the role may open.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from dashboards import ui  # noqa: E402
from monitor.i18n import t  # noqa: E402

st.set_page_config(page_title=t("app.title", ui.language()), page_icon=":ballot_box:", layout="wide")
ui.language_switch()
ctx = ui.current_context()
if ctx is None:
    st.navigation([st.Page(ui.login_form, title=t("login.title", ui.language()), url_path="masuk")]).run()
else:
    ui.sidebar(ctx)
    views = Path(__file__).resolve().parent / "views"
    pages = [
        st.Page(
            str(views / f"{name}.py"),
            title=ctx.t(ui.PAGE_TITLES[name]),
            url_path=name,
            default=index == 0,
        )
        for index, name in enumerate(ui.allowed_pages(ctx.actor))
    ]
    st.navigation(pages).run()
