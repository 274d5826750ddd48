"""The dashboards' pages: thin Streamlit scripts over the warehouse queries and charts."""
