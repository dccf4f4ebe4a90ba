"""Text of ``huifang doctor``: what each check is called, what it found and the fix, in one
line each. Commands, settings and error messages of other programs stay as they are."""

from __future__ import annotations

from .core import register

register(
    {
        "doctor.title": ("Huifang 自检（huifang doctor）", "Huifang doctor"),
        "doctor.status.ok": ("正常", "ok"),
        "doctor.status.warning": ("警告", "warning"),
        "doctor.status.problem": ("问题", "problem"),
        "doctor.status.skipped": ("跳过", "skipped"),
        "doctor.fix.label": ("修复：", "fix: "),
        "doctor.summary": (
            "问题 {problem} 项，警告 {warning} 项，正常 {ok} 项，跳过 {skipped} 项",
            "{problem} problem(s), {warning} warning(s), {ok} ok, {skipped} skipped",
        ),
        # what each check is called
        "doctor.check.settings": ("设置", "settings"),
        "doctor.check.public_url": ("公网地址", "public address"),
        "doctor.check.secrets": ("密钥", "secrets"),
        "doctor.check.database": ("数据库", "database"),
        "doctor.check.database.migrations": ("数据库迁移", "migrations"),
        "doctor.check.database.connections": ("数据库连接数", "database connections"),
        "doctor.check.pdf_font": ("PDF 中文字体", "PDF font"),
        "doctor.check.odoo": ("Odoo 服务器", "Odoo server"),
        "doctor.check.odoo.transport": ("Odoo 通信方式", "Odoo transport"),
        "doctor.check.odoo.login": ("Odoo 集成用户", "Odoo sign-in"),
        "doctor.check.odoo.rights": ("Odoo 权限", "Odoo rights"),
        "doctor.check.odoo.addon": ("Odoo 插件", "Odoo add-on"),
        "doctor.check.odoo.language": ("Odoo 记录语言", "Odoo note language"),
        "doctor.check.odoo.link": ("Odoo 连接", "Odoo link"),
        "doctor.check.smtp": ("邮件服务器", "mail server"),
        "doctor.check.webhook": ("短信/微信网关", "SMS/WeChat gateway"),
        "doctor.check.staff_channels": ("员工通知渠道", "staff channels"),
        # settings
        "doctor.settings.ok": (
            "已读取（环境：{environment}）",
            "read (environment: {environment})",
        ),
        "doctor.settings.skipped": ("设置无法读取", "the settings cannot be read"),
        "doctor.fix.settings": (
            "按上述提示修改环境变量或 .env 中的 HUIFANG_* 设置",
            "correct the HUIFANG_* setting named above, in the environment or .env",
        ),
        "doctor.public_url.bad": ("{url} 不是 http(s) 地址", "{url} is not an http(s) address"),
        "doctor.public_url.http": (
            "{url} 不是 https：二维码链接和登录 Cookie 会明文传输",
            "{url} is not https: QR links and sign-in cookies would travel in clear",
        ),
        "doctor.fix.public_url": (
            "将 HUIFANG_PUBLIC_BASE_URL 设为住户手机打开的 https 地址，如 https://huifang.example.com",
            "set HUIFANG_PUBLIC_BASE_URL to the https address residents' phones open, "
            "e.g. https://huifang.example.com",
        ),
        "doctor.secrets.local_defaults": (
            "本地使用，以下为开发默认值：{names}（生产环境不可用）",
            "local use: development defaults in {names} (refused in production)",
        ),
        "doctor.secrets.local": ("本地使用，密钥已设置", "local use: secrets set"),
        "doctor.secrets.default": ("{name} 仍是开发默认值", "{name} is the development default"),
        "doctor.secrets.short": (
            "{name} 只有 {length} 个字符（至少需 {min} 个）",
            "{name} has {length} characters (at least {min})",
        ),
        "doctor.secrets.unset": ("{name} 未设置", "{name} is not set"),
        "doctor.secrets.ok": (
            "{names}：至少 {min} 个字符，且非默认值",
            "{names}: at least {min} characters, not the defaults",
        ),
        "doctor.fix.secrets": (
            "为上述每项设置至少 {min} 个字符的随机值："
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
            "set each one named to a random value of at least {min} characters: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'",
        ),
        # database
        "doctor.database.bad_url": (
            "HUIFANG_DATABASE_URL 无法解析：{error}",
            "HUIFANG_DATABASE_URL cannot be read: {error}",
        ),
        "doctor.database.memory": (
            "内存数据库：什么都不会保存",
            "an in-memory database: nothing is kept",
        ),
        "doctor.database.no_file": (
            "SQLite 文件 {path} 不存在",
            "SQLite file {path} does not exist",
        ),
        "doctor.database.unreachable": (
            "无法连接 {url}：{error}",
            "cannot connect to {url}: {error}",
        ),
        "doctor.database.ok": ("{kind} {url} 可连接", "{kind} {url} reachable"),
        "doctor.connections.ok": (
            "PostgreSQL max_connections {limit}（保留 {reserved}）可容纳 {room} 个进程，"
            "每个进程最多 {each} 个连接（{pool} + {overflow} + {loop}）；"
            "huifang serve --workers N 占 N + 1 个进程",
            "PostgreSQL max_connections {limit} ({reserved} reserved) holds {room} processes of"
            " up to {each} connections each ({pool} + {overflow} + {loop}); huifang serve"
            " --workers N is N + 1 processes",
        ),
        "doctor.connections.few": (
            "PostgreSQL max_connections {limit}（保留 {reserved}）只容纳 {room} 个进程，"
            "每个进程最多 {each} 个连接（{pool} + {overflow} + {loop}）；"
            "huifang serve --workers 2 需要 3 个",
            "PostgreSQL max_connections {limit} ({reserved} reserved) holds only {room}"
            " processes of up to {each} connections each ({pool} + {overflow} + {loop});"
            " huifang serve --workers 2 needs 3",
        ),
        "doctor.fix.connections": (
            "提高 PostgreSQL 的 max_connections，或调小 HUIFANG_DB_POOL_SIZE / "
            "HUIFANG_DB_MAX_OVERFLOW / HUIFANG_DB_LOOP_POOL_SIZE"
            "（所需：实例数 x (workers + 1) x 每进程连接数）",
            "raise PostgreSQL's max_connections, or lower HUIFANG_DB_POOL_SIZE /"
            " HUIFANG_DB_MAX_OVERFLOW / HUIFANG_DB_LOOP_POOL_SIZE (needed: instances x"
            " (workers + 1) x connections each)",
        ),
        "doctor.database.skipped": (
            "数据库无法连接",
            "the database is not reachable",
        ),
        "doctor.fix.database": (
            "检查 HUIFANG_DATABASE_URL（SQLite 文件，或 postgresql://用户:密码@主机/库名）"
            "以及数据库服务器是否运行",
            "check HUIFANG_DATABASE_URL (a SQLite file, or postgresql://user:pass@host/db) "
            "and that the database server runs",
        ),
        "doctor.fix.database_file": (
            "运行 huifang serve 或 huifang demo 会创建它；"
            "或将 HUIFANG_DATABASE_URL 指向已有的数据库",
            "huifang serve or huifang demo creates it; or point HUIFANG_DATABASE_URL at the "
            "existing database",
        ),
        "doctor.migrations.ok": ("已是最新（{heads}）", "at head ({heads})"),
        "doctor.migrations.none": (
            "尚未迁移：没有 Huifang 的表",
            "not migrated: no Huifang tables yet",
        ),
        "doctor.migrations.unknown": (
            "数据库处于 {current}，当前版本的 Huifang 不认识（由更新的版本迁移？）",
            "at revision {current}, unknown to this version of Huifang (migrated by a newer one?)",
        ),
        "doctor.migrations.pending": (
            "处于 {current}，还有 {count} 个迁移未执行（最新为 {heads}）",
            "at {current}: {count} migration(s) pending up to {heads}",
        ),
        "doctor.fix.migrate": (
            "运行 huifang serve：启动时先执行未执行的迁移",
            "run huifang serve: it applies pending migrations before it serves",
        ),
        "doctor.fix.migrations_newer": (
            "使用迁移过此数据库的 Huifang 版本，或升级本机的 Huifang",
            "run the Huifang version that migrated this database, or upgrade this one",
        ),
        # staff and their channels
        "doctor.staff_channels.ok": (
            "所有在职员工的通知渠道均已配置（{counts}）",
            "every active staff member's channel is set up ({counts})",
        ),
        "doctor.staff_channels.missing": (
            "渠道未配置，以下员工的通知只写入日志：{missing}",
            "channel not set up, so these staff get their notifications in the log only: {missing}",
        ),
        "doctor.staff_channels.skipped": (
            "数据库无法连接或未迁移到最新",
            "the database is not reachable or not at head",
        ),
        "doctor.fix.staff_channels": (
            "配置这些渠道（{settings}），或修改这些员工的 notify_by",
            "set up these channels ({settings}), or change these staff members' notify_by",
        ),
        # the PDF font
        "doctor.pdf_font.bad": ("{var} 不可用：{error}", "{var} cannot be used: {error}"),
        "doctor.pdf_font.fallback": (
            "未找到 TrueType 中文字体：PDF 只引用 {name} 而不嵌入，部分阅读器会显示方框",
            "no TrueType Chinese font found: the PDFs name {name} without embedding it, and "
            "some viewers show boxes",
        ),
        "doctor.pdf_font.unusable": (
            "reportlab 无法使用 {path}：{error}",
            "reportlab cannot use {path}: {error}",
        ),
        "doctor.pdf_font.found": ("自动找到", "found"),
        "doctor.pdf_font.ok": (
            "{path}（{source}），嵌入 PDF",
            "{path} ({source}), embedded in the PDFs",
        ),
        "doctor.pdf_font.sample": ("维修回访单 满意 签名", "Callback form"),
        "doctor.fix.pdf_font_set": (
            "将 {var} 指向 TrueType 中文字体（.ttf/.ttc，合集中的一款用 路径#序号），或取消该设置",
            "point {var} at a TrueType Chinese font (.ttf/.ttc; path#N for one font of a "
            "collection), or unset it",
        ),
        "doctor.fix.pdf_font": (
            "安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei），"
            "或将 {var} 指向 TrueType 中文字体",
            "install fonts-wqy-microhei (apt-get install fonts-wqy-microhei), or point {var} "
            "at a TrueType Chinese font",
        ),
        # the Odoo link
        "doctor.odoo.not_configured": (
            "未配置 Odoo（HUIFANG_ODOO_URL、HUIFANG_ODOO_DB、HUIFANG_ODOO_USER、"
            "HUIFANG_ODOO_API_KEY）",
            "Odoo is not configured (HUIFANG_ODOO_URL, HUIFANG_ODOO_DB, HUIFANG_ODOO_USER, "
            "HUIFANG_ODOO_API_KEY)",
        ),
        "doctor.fix.odoo_settings": (
            "设置上述 HUIFANG_ODOO_* 变量；不连接 Odoo 时全部清空",
            "set the HUIFANG_ODOO_* variables named, or none of them to run without Odoo",
        ),
        "doctor.odoo.skipped": ("上一步未通过", "the step before did not pass"),
        "doctor.odoo.lost": (
            "检查途中 Odoo 无法访问：{error}",
            "Odoo stopped answering during the checks: {error}",
        ),
        "doctor.fix.odoo_url": (
            "检查 HUIFANG_ODOO_URL（如 https://odoo.example.com）以及 Odoo 是否运行、本机能否访问",
            "check HUIFANG_ODOO_URL (e.g. https://odoo.example.com) and that Odoo runs and is "
            "reachable from here",
        ),
        "doctor.odoo.ok": ("{url}：Odoo 版本 {version}", "{url}: Odoo {version}"),
        "doctor.odoo.transport.ok": (
            "{transport}（HUIFANG_ODOO_TRANSPORT={setting}，Odoo 版本 {version}）",
            "{transport} (HUIFANG_ODOO_TRANSPORT={setting}, Odoo {version})",
        ),
        "doctor.fix.odoo_transport": (
            "设 HUIFANG_ODOO_TRANSPORT=auto（按版本选择）或 jsonrpc",
            "set HUIFANG_ODOO_TRANSPORT=auto (chosen by the version) or jsonrpc",
        ),
        "doctor.odoo.login.ok": (
            "以 {user} 登录（uid {uid}，数据库 {db}）",
            "signed in as {user} (uid {uid}, database {db})",
        ),
        "doctor.fix.odoo_login": (
            "检查 HUIFANG_ODOO_USER 和 HUIFANG_ODOO_API_KEY"
            "（该用户的 API 密钥：偏好设置 → 账户安全）",
            "check HUIFANG_ODOO_USER and HUIFANG_ODOO_API_KEY (an API key of that user: "
            "Preferences → Account Security)",
        ),
        "doctor.fix.odoo_db": (
            "将 HUIFANG_ODOO_DB 设为 Odoo 中的数据库名",
            "set HUIFANG_ODOO_DB to the database's name in Odoo",
        ),
        "doctor.odoo.rights.ok": ("可以 {rights}", "may {rights}"),
        "doctor.odoo.rights.missing": ("缺少权限：{rights}", "missing rights: {rights}"),
        "doctor.odoo.rights.unknown": (
            "无法查询权限：{error}",
            "cannot ask for the rights: {error}",
        ),
        "doctor.fix.odoo_rights": (
            "将集成用户加入“维修回访 / 回访服务集成”组",
            "add the integration user to the group Maintenance Callbacks / Callback Service "
            "Integration",
        ),
        "doctor.odoo.addon.ok": ("{addon} {installed} 已安装", "{addon} {installed} installed"),
        "doctor.odoo.addon.missing": (
            "{addon} 未安装（状态：{state}）：仍可同步普通维修请求，但数据较少",
            "{addon} is not installed (state: {state}): plain requests still sync, with less data",
        ),
        "doctor.odoo.addon.old": (
            "已安装 {addon} {installed}，早于本版本的 {wanted}",
            "{addon} {installed} is installed, older than {wanted} here",
        ),
        "doctor.odoo.addon.unknown": (
            "无法读取模块列表：{error}",
            "cannot read the module list: {error}",
        ),
        "doctor.fix.odoo_addon": (
            "在 Odoo 中安装 maintenance_callback 插件"
            "（addon/ 目录，见 README“Connecting a real Odoo”）",
            "install the maintenance_callback add-on in Odoo (addon/; see Connecting a real "
            "Odoo in the README)",
        ),
        "doctor.fix.odoo_addon_upgrade": (
            "升级插件：odoo-bin -d 数据库 -u {addon} --stop-after-init（或 应用 → 升级）",
            "upgrade it: odoo-bin -d DB -u {addon} --stop-after-init (or Apps → Upgrade)",
        ),
        "doctor.odoo.language.setting": (
            "{language}（由 HUIFANG_ODOO_LANGUAGE 设定）",
            "{language} (HUIFANG_ODOO_LANGUAGE)",
        ),
        "doctor.odoo.language.user": (
            "{language}：集成用户的语言 {odoo_lang}",
            "{language}: the integration user's language, {odoo_lang}",
        ),
        "doctor.odoo.language.company": (
            "{language}：公司的语言 {odoo_lang}（集成用户未设语言）",
            "{language}: the company's language, {odoo_lang} (the integration user has none)",
        ),
        "doctor.odoo.language.default": (
            "{language}：Odoo 未给出语言",
            "{language}: Odoo names no language",
        ),
        "doctor.odoo.language.unknown": (
            "无法读取语言：{error}",
            "cannot read the language: {error}",
        ),
        "doctor.fix.odoo_language": (
            "设 HUIFANG_ODOO_LANGUAGE=zh_CN 或 en",
            "set HUIFANG_ODOO_LANGUAGE=zh_CN or en",
        ),
        "doctor.language.zh_CN": ("中文", "Chinese"),
        "doctor.language.en": ("英文", "English"),
        # the notification channels
        "doctor.smtp.not_configured": (
            "未配置（HUIFANG_SMTP_HOST）",
            "not configured (HUIFANG_SMTP_HOST)",
        ),
        "doctor.smtp.ok": ("{where}：{steps} 均正常", "{where}: {steps}"),
        "doctor.smtp.signed_in": ("以 {user} 登录", "signed in as {user}"),
        "doctor.smtp.failed.connect": (
            "无法连接 {where}：{error}",
            "cannot connect to {where}: {error}",
        ),
        "doctor.smtp.failed.ehlo": ("{where} 拒绝 EHLO：{error}", "{where} refused EHLO: {error}"),
        "doctor.smtp.failed.starttls": (
            "与 {where} 的 STARTTLS 失败：{error}",
            "STARTTLS with {where} failed: {error}",
        ),
        "doctor.smtp.failed.login": (
            "{where} 拒绝登录：{error}",
            "{where} refused the login: {error}",
        ),
        "doctor.smtp.no_starttls": (
            "{where} 不支持 STARTTLS：邮件将不加密发送",
            "{where} does not offer STARTTLS: mail goes unencrypted",
        ),
        "doctor.fix.smtp": (
            "检查 HUIFANG_SMTP_HOST 和 HUIFANG_SMTP_PORT 以及邮件服务器是否运行",
            "check HUIFANG_SMTP_HOST and HUIFANG_SMTP_PORT and that the mail server runs",
        ),
        "doctor.fix.smtp_starttls": (
            "检查邮件服务器的 TLS 证书；服务器不支持加密时才设 HUIFANG_SMTP_STARTTLS=false",
            "check the mail server's TLS certificate; set HUIFANG_SMTP_STARTTLS=false only "
            "for a server without TLS",
        ),
        "doctor.fix.smtp_login": (
            "检查 HUIFANG_SMTP_USER 和 HUIFANG_SMTP_PASSWORD",
            "check HUIFANG_SMTP_USER and HUIFANG_SMTP_PASSWORD",
        ),
        "doctor.fix.smtp_no_tls": (
            "使用支持 STARTTLS 的邮件服务器，或设 HUIFANG_SMTP_STARTTLS=false 表示接受不加密",
            "use a mail server with STARTTLS, or set HUIFANG_SMTP_STARTTLS=false to accept "
            "mail in clear",
        ),
        "doctor.webhook.not_configured": (
            "未配置（HUIFANG_WEBHOOK_URL）",
            "not configured (HUIFANG_WEBHOOK_URL)",
        ),
        "doctor.webhook.ok": ("{url} 有应答（HTTP {status}）", "{url} answers (HTTP {status})"),
        "doctor.webhook.failing": ("{url} 应答 HTTP {status}", "{url} answers HTTP {status}"),
        "doctor.webhook.bad": ("{url} 不是 http(s) 地址", "{url} is not an http(s) address"),
        "doctor.webhook.http": (
            "{url} 不是 https：通知内容会明文传输",
            "{url} is not https: notifications would travel in clear",
        ),
        "doctor.webhook.no_secret": (
            "未设 HUIFANG_WEBHOOK_SECRET：该渠道不可用",
            "HUIFANG_WEBHOOK_SECRET is not set: the channel is off",
        ),
        "doctor.webhook.unreachable": ("无法访问 {url}：{error}", "cannot reach {url}: {error}"),
        "doctor.fix.webhook_url": (
            "检查 HUIFANG_WEBHOOK_URL 以及网关是否运行、本机能否访问",
            "check HUIFANG_WEBHOOK_URL and that the gateway runs and is reachable from here",
        ),
        "doctor.fix.webhook_https": (
            "将 HUIFANG_WEBHOOK_URL 改为网关的 https 地址",
            "set HUIFANG_WEBHOOK_URL to the gateway's https address",
        ),
        "doctor.fix.webhook_secret": (
            "设置 HUIFANG_WEBHOOK_SECRET（与网关约定的签名密钥）",
            "set HUIFANG_WEBHOOK_SECRET (the signing secret agreed with the gateway)",
        ),
    }
)
