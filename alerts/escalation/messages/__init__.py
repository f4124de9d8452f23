"""People-facing messages (SMS, voice, email) rendered from Jinja2 templates, zh_CN and en."""
