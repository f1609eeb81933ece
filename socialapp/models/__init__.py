"""SQLAlchemy models, one module per area. Importing this package registers every table."""

from socialapp.models.accounts import User, UserSession  # noqa: F401
from socialapp.models.chat import Conversation, ConversationMember, Message  # noqa: F401
from socialapp.models.instance import InstanceSetting, Invitation  # noqa: F401
from socialapp.models.mail import OutboxMail  # noqa: F401
from socialapp.models.meetings import Meeting, MeetingMember, MeetingParticipant  # noqa: F401
from socialapp.models.moderation import AuditEntry, Mute, Report  # noqa: F401
from socialapp.models.notifications import Notification  # noqa: F401
from socialapp.models.posts import Comment, Like, Post, PostHashtag, PostImage  # noqa: F401
from socialapp.models.social import Block, Follow  # noqa: F401
