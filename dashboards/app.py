"""The officers' triage room: `monitor dashboard` (or `streamlit run dashboards/app.py`).

Before login only the login form exists; after login the navigation holds the pages the role may open.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import ui
from monitor.i18n import t

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
