"""The Streamlit dashboard for MASH analysts (built in the dashboard issue)."""
