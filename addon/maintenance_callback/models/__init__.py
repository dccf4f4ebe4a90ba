from . import maintenance_callback_estate
from . import maintenance_callback_notification
from . import maintenance_equipment_category
from . import maintenance_request
from . import res_config_settings
from . import res_users
