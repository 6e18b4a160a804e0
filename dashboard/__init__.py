"""The Streamlit dashboard: ``app.py`` (sign-in, navigation by role), ``session.py`` and ``app_pages/``."""
