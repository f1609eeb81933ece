"""Blueprints, one package per area: thin routes and their forms."""


def register_blueprints(app):
    from socialapp.blueprints.auth import bp as auth_bp
    from socialapp.blueprints.chat import bp as chat_bp
    from socialapp.blueprints.instance import bp as instance_bp
    from socialapp.blueprints.main import bp as main_bp
    from socialapp.blueprints.meetings import bp as meetings_bp
    from socialapp.blueprints.moderation import bp as moderation_bp
    from socialapp.blueprints.notifications import bp as notifications_bp
    from socialapp.blueprints.posts import bp as posts_bp
    from socialapp.blueprints.profiles import bp as profiles_bp
    from socialapp.blueprints.search import bp as search_bp
    from socialapp.blueprints.social import bp as social_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(social_bp)
    app.register_blueprint(chat_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(posts_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(instance_bp)
    app.register_blueprint(moderation_bp)
