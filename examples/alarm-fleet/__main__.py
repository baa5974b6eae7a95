"""Alarm fleet: an alarm receiving centre's alarm units and SIP phones, kept in a spreadsheet.

The care homes' alarm units (and the nurse stations' SIP phones) are listed in a spreadsheet that
the operations team maintains and exports as a bulk provisioning CSV (``units.csv``: camelCase
header, ``serviceData.alarmBridge`` cells holding JSON). ``DeviceFleet.from_csv`` declares every
row as one device of ONE resource: new devices go to the service by bulk CSV jobs, a changed row
becomes one patch of that device, a removed row a delete of that device.

Stack config (see Pulumi.dev.yaml): the ``iotcomms:*`` provider keys; ``unitsFile``, the CSV file
(default ``units.csv``; ``units-east-wing.csv`` is the same fleet once North Lodge's east wing opens).
"""

import pulumi

from pulumi_iotcomms import DeviceFleet

config = pulumi.Config()
units_file = config.get("unitsFile") or "units.csv"

# Each row is checked as a Device would be (ids, auth types, serviceData.alarmBridge settings) before
# anything is sent; a bad cell fails the program naming the file, row and column. The credentials
# rows (the nurse stations' SIP phones) get a random SIP password each, picked once and kept.
fleet = DeviceFleet.from_csv("care-home-fleet", units_file)

pulumi.export("device_count", fleet.count)
pulumi.export("device_ids", fleet.device_ids)
# The SIP phones' passwords by device id (secret): `pulumi stack output --show-secrets sip_passwords`.
pulumi.export("sip_passwords", fleet.sip_passwords)
# The last bulk job: its status, and the rows it refused with their reasons.
pulumi.export("last_bulk_job", fleet.bulk_result)
