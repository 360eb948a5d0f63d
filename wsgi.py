"""The WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

from backend import create_app
from backend.cli import environment_without_flask_dotenv
from backend.config import settings_or_exit

app = create_app(settings_or_exit(environment_without_flask_dotenv()))
