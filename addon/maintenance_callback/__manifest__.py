# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Maintenance Callbacks (回访)",
    "summary": "Callbacks after repairs: deadlines, roles, satisfaction and "
    "links to the Huifang service, inside Odoo Maintenance",
    "version": "18.0.1.2.0",
    "category": "Manufacturing/Maintenance",
    "website": "https://github.com/huifang/huifang",
    "author": "Huifang",
    "license": "LGPL-3",
    "depends": ["maintenance", "mail"],
    "data": [
        "security/maintenance_callback_security.xml",
        "security/ir.model.access.csv",
        "security/maintenance_callback_rules.xml",
        "data/ir_cron_data.xml",
        "views/maintenance_request_views.xml",
        "views/maintenance_callback_estate_views.xml",
        "views/maintenance_equipment_category_views.xml",
        "views/res_users_views.xml",
        "views/res_config_settings_views.xml",
        "views/maintenance_callback_notification_views.xml",
        "views/maintenance_callback_menus.xml",
    ],
}
