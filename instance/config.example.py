# Copy to instance/config.py and adjust. Environment variables (DATABASE_URL, SECRET_KEY, PUBLIC_BASE_URL,
# MAIL_SERVER, REDIS_URL, ...) override what is set here.

# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://moocplatform@localhost/moocplatform"
# PUBLIC_BASE_URL = "https://learn.example.org"
# SESSION_COOKIE_SECURE = True
# PROXY_FIX_HOPS = 1            # behind one reverse proxy that sets X-Forwarded-For/-Proto/-Host

# Passwords are HMAC'd with this secret before argon2id; keep it out of the database and its backups.
# PASSWORD_PEPPER = "..."         # python -c 'import secrets; print(secrets.token_urlsafe(32))'
# PASSWORD_PEPPER_PREVIOUS = ""   # while rotating: the old pepper (see `moocplatform users pepper-status`)
# REQUIRE_SECOND_FACTOR_FOR_ADMINS = True   # administrators must set up two-step log-in

# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USERNAME = "moocplatform"
# MAIL_PASSWORD = "..."          # better: the MAIL_PASSWORD environment variable
# MAIL_DEFAULT_SENDER = "Courses <courses@example.org>"

# VIDEO_EMBED_HOSTS = ("www.youtube-nocookie.com", "player.vimeo.com")
