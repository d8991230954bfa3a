"""Layer 5: sitegen as a Nextcloud external app (AppAPI's `manual_install`, Docker or HaRP).

Nextcloud forwards calls to `/index.php/apps/app_api/proxy/sitegen/<path>` here with AppAPI's
headers; the app answers them with the same sync → build → publish pipeline as the command line,
acting as the calling user, and hosts the sites their owners marked public.

| module | job |
| --- | --- |
| `settings` | the environment AppAPI sets (APP_ID, APP_SECRET, …) |
| `protocol` | AppAPI's auth headers, both ways; calls back into Nextcloud as a user |
| `appinfo` | the app info for `occ app_api:app:register --json-info` and `appinfo/info.xml` |
| `publishing` | one publish request: checked input, the pipeline, one run per user |
| `hosting` | the public copies of published sites and how a request maps onto them |
| `integration` | what it registers in Nextcloud: Files action, settings, webhooks; notifications |
| `personal_form` | the app's own settings page: its HTML, the posted form, the cross-site guards |
| `personal` | that page's routes: the user's values read, checked and saved as their preferences |
| `watch` | republish on change: webhook events, the root-ETag fallback, failure notifications |
| `routes` | the HTTP application (starlette) |
| `server` | uvicorn, logging, what enabling the app registers |
"""
