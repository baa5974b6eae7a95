"""The tenant's service alarms published to an SNS topic declared in the same program.

The topic and the notification settings that point at it are one deployment: the settings take the
topic's ARN as an output, so the topic exists before the platform is told to publish to it, and a
replaced topic moves the settings with it.
"""

import pulumi
import pulumi_aws as aws

from pulumi_iotcomms import NotificationSettings

config = pulumi.Config()

# Service alarms (monitoringAlarm: noHeartbeatReply, serviceStartFailed, lowMemory, serviceFailure) go
# here; subscribe the alarm centre's queue, function or pager to it.
alarm_topic = aws.sns.Topic("iotcomms-alarms", tags={"purpose": "iotcomms.io service alarms"})

# One per tenant. A tenant usually has settings already (made in the portal): adopt=True takes them
# over; the settings in place before are recorded, and restored by `pulumi destroy`.
NotificationSettings("notifications", adopt=True, alarm_topic=alarm_topic.arn)

pulumi.export("alarm_topic_arn", alarm_topic.arn)
