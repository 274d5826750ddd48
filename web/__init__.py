"""What both apps share: sign-in, browser sessions, i18n, number formats, links, charts."""
