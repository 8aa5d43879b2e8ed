# Copy to instance/config.py and adjust. Environment variables (DATABASE_URL, SECRET_KEY, PUBLIC_BASE_URL,
# MAIL_SERVER, REDIS_URL, ...) override what is set here.

# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://moocplatform@localhost/moocplatform"
# PUBLIC_BASE_URL = "https://learn.example.org"
# SESSION_COOKIE_SECURE = True
# PROXY_FIX_HOPS = 1            # behind one reverse proxy that sets X-Forwarded-For/-Proto/-Host

# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USERNAME = "moocplatform"
# MAIL_PASSWORD = "..."          # better: the MAIL_PASSWORD environment variable
# MAIL_DEFAULT_SENDER = "Courses <courses@example.org>"

# VIDEO_EMBED_HOSTS = ("www.youtube-nocookie.com", "player.vimeo.com")
