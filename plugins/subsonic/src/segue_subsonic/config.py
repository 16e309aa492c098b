"""The ``[plugins.subsonic]`` settings."""

from __future__ import annotations

from segue import PluginConfig


class SubsonicConfig(PluginConfig):
    """Settings of the Subsonic API at ``/rest``."""

    secret_key: str = ""
    """Fernet key (32 url-safe base64 bytes) that encrypts users' Subsonic passwords.
    Empty: a key file is made in the data dir on first use. Set it (the same in every
    process) when several servers share one catalog; make one with
    `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`."""
    accept_login_password: bool = True
    """Let clients that send the password itself (`p=`) use the Segue login password as well
    as the Subsonic password. Token auth (`t`+`s`) always needs the Subsonic password."""

    def __post_init__(self) -> None:
        if self.secret_key:
            from cryptography.fernet import Fernet

            try:
                Fernet(self.secret_key.encode())
            except (ValueError, TypeError):
                raise ValueError(
                    "secret_key is not a Fernet key: it must be 32 url-safe base64-encoded "
                    'bytes (make one with `python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"`)'
                ) from None
