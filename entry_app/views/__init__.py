"""The entry app's pages: thin Streamlit scripts over forms, queries and commands."""
