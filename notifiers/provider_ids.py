"""The prefixes of the provider ids the Chinese providers' notifiers store, so that a callback
names its notifier without importing the provider's SDK (tens of MiB a process need not hold
when the provider is not configured)."""

ALIYUN_SMS = "aliyun-sms:"
ALIYUN_VOICE = "aliyun-voice:"
TENCENT_SMS = "tencent-sms:"
