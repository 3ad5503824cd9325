"""The consumer map: which consumers handle which domain event, read top to bottom.

Every domain event of the service has a line, with an empty list when nothing consumes
it: the dispatcher refuses to start when one is missing.
"""

from __future__ import annotations

from app.application.consumers.dispatcher import ConsumerMap
from app.application.consumers.user_stats import UserStatsProjection
from app.application.consumers.welcome_mail import WelcomeMail
from app.domain.comments import CommentCreated, CommentDeleted
from app.domain.events import (
    PostCreated,
    PostDeleted,
    PostUpdated,
    UserRegistered,
)


def subscriptions(*, user_stats: UserStatsProjection, welcome_mail: WelcomeMail) -> ConsumerMap:
    return {
        UserRegistered: [welcome_mail.on_user_registered],
        PostCreated: [user_stats.on_post_events],
        PostUpdated: [],
        PostDeleted: [user_stats.on_post_events],
        CommentCreated: [user_stats.on_comment_events],
        CommentDeleted: [user_stats.on_comment_events],
    }
