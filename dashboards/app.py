"""The officers' triage room: `monitor dashboard` (serving `dashboards/server.py`, which wraps this file).

Before login every page address shows the login form, so a link from an alert (…/antrian?item=ID) keeps
its page and parameters and opens the item right after the login. After login all pages are registered
(a page the role may not open says so in Bahasa Indonesia instead of Streamlit's English "Page not
found"); the sidebar links only to the pages the role may open.
"""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from monitor.i18n import t

st.set_page_config(page_title=t("app.title", ui.language()), page_icon=":ballot_box:", layout="wide")
ui.language_switch()
ctx = ui.current_context()
names = list(ui.PAGE_FILES)
if ctx is None:
    title = t("login.title", ui.language())
    # The default page answers "/", the others every page address (Streamlit serves a default page at
    # "/" only, so it must not be one of the named pages).
    login_pages = [st.Page(ui.login_form, title=title, url_path="masuk", default=True)]
    login_pages += [st.Page(ui.login_form, title=title, url_path=name) for name in names]
    st.navigation(login_pages, position="hidden").run()
else:
    pages = {
        name: st.Page(str(ui.VIEWS / f"{name}.py"), title=ctx.t(ui.PAGE_TITLES[name]), url_path=name)
        for name in names
    }

    def home() -> None:
        """ "/" opens the queue (keeping ?item=, ?narrative=, ?topic= of an alert link)."""
        st.switch_page(pages["antrian"], query_params=st.query_params.to_dict())

    current = st.navigation(
        [st.Page(home, title=ctx.t("page.queue"), default=True), *pages.values()], position="hidden"
    )
    ui.sidebar(ctx, pages)  # after st.navigation: its page links need the pages registered
    current.run()
