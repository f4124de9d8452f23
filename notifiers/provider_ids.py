"""What each provider notifier puts before the provider's message id in
`notifications.provider_id`, and each robot provider's published rate. Kept apart from the
notifiers so that the callback routes and the outbox's claims need not load the providers' SDKs
(Aliyun's alone is about 20 MiB resident) in a service that does not use them."""

from __future__ import annotations

ALIYUN_SMS = "aliyun-sms:"
ALIYUN_VOICE = "aliyun-voice:"
TENCENT_SMS = "tencent-sms:"

# (window in seconds, messages) as each robot provider publishes them for one robot
ROBOT_RATE_LIMITS: dict[str, tuple[tuple[int, int], ...]] = {
    "wecom": ((60, 20),),
    "dingtalk": ((60, 20),),
    "feishu": ((60, 100), (1, 5)),
}
