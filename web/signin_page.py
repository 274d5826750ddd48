"""The sign-in page: plain HTML served by the apps' web server, not a Streamlit page, so
the password travels in one POST and the session comes back as an HttpOnly cookie."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from web.i18n import LANGUAGES, text

_PAGE = """<!doctype html>
<html lang="{html_lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "Source Sans Pro", "Noto Sans CJK SC", "WenQuanYi Micro Hei",
  "Microsoft YaHei", sans-serif; background: #f0f2f6; color: #31333f; margin: 0; }}
main {{ max-width: 360px; margin: 12vh auto; background: #fff; padding: 2rem;
  border-radius: 0.5rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
h1 {{ font-size: 1.5rem; margin: 0 0 1.5rem; }}
label {{ display: block; font-size: .9rem; margin: 1rem 0 .3rem; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box;
  padding: .55rem; border: 1px solid #d0d3da; border-radius: .4rem; font-size: 1rem; }}
button {{ margin-top: 1.5rem; width: 100%; padding: .6rem; border: 0;
  border-radius: .4rem; background: #ff4b4b; color: #fff; font-size: 1rem; cursor: pointer; }}
.error {{ background: #ffecec; color: #7d1a1a; padding: .6rem; border-radius: .4rem; }}
.notice {{ background: #e8f1fb; color: #1a3d6d; padding: .6rem; border-radius: .4rem; }}
nav {{ margin-top: 1.5rem; font-size: .85rem; text-align: center; }}
nav a {{ color: #555; margin: 0 .4rem; }}
</style>
</head>
<body>
<main>
<h1>{heading}</h1>
{message}
<form method="post" action="/signin">
<input type="hidden" name="form_token" value="{form_token}">
<input type="hidden" name="next" value="{next}">
<input type="hidden" name="lang" value="{lang}">
<input type="hidden" name="lang_chosen" value="{lang_chosen}">
<label for="username">{username_label}</label>
<input type="text" id="username" name="username" value="{username}" autocomplete="username"
  autocapitalize="none" required autofocus>
<label for="password">{password_label}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">{submit}</button>
</form>
<nav>{languages}</nav>
</main>
</body>
</html>
"""

_LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def render(
    *,
    lang: str,
    next_path: str,
    form_token: str,
    lang_chosen: bool = False,
    username: str = "",
    error: str | None = None,
    notice: str | None = None,
) -> str:
    """The page in `lang`; every value from the request is escaped."""
    message = ""
    if error:
        message = f'<p class="error" role="alert">{escape(text(error, lang))}</p>'
    elif notice:
        message = f'<p class="notice">{escape(text(notice, lang))}</p>'
    languages = " ".join(
        f'<a href="/signin?{escape(urlencode({"next": next_path, "lang": code}))}">'
        f"{_LANGUAGE_NAMES[code]}</a>"
        for code in LANGUAGES
        if code != lang
    )
    return _PAGE.format(
        html_lang="zh-CN" if lang == "zh_CN" else "en",
        title=escape(text("app.product", lang)),
        heading=escape(text("login.heading", lang)),
        message=message,
        form_token=escape(form_token),
        next=escape(next_path),
        lang=escape(lang),
        lang_chosen="1" if lang_chosen else "",
        username_label=escape(text("login.username", lang)),
        username=escape(username),
        password_label=escape(text("login.password", lang)),
        submit=escape(text("login.submit", lang)),
        languages=languages,
    )
