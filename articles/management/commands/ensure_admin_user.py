import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


def ensure_admin_user(username: str) -> str | None:
    """Create a superuser with a fresh random password; None if the user already exists."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return None
    password = secrets.token_urlsafe(12)
    User.objects.create_superuser(username=username, email="", password=password)
    return password


class Command(BaseCommand):
    help = "Create the local admin account with a generated password and print it."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        password = ensure_admin_user(username)
        if password:
            self.stdout.write(f"Admin login: user {username!r}, password {password!r}")
        else:
            self.stdout.write(
                f"Admin login: user {username!r} exists already; set a new password with "
                f"`python manage.py changepassword {username}`."
            )
