"""The entry app: Streamlit forms through which every role captures the CRM's records."""
