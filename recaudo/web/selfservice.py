"""The debtor's page behind the pay link: pay in full, pick a plan, or promise a date.

``GET /pay/{token}`` shows it (in the account's language, no script at all, one
column for a phone) once a payment provider is configured; before that the link
keeps redirecting to the tenant's payment page. Its choices become the events
the assistant produces from a reply, so the same follow-up runs: a plan is a
``response`` with a structured ``plan`` (the assistant accepts it against the
policy's options that day), a promise a ``response`` with intent
``promise_to_pay`` and a structured ``promise``. Paying (in full, or the first
instalment of the plan just picked) opens the provider's checkout for an amount
computed here from the decision state, never taken from the form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jinja2
from aiohttp import web
from babel.dates import format_date
from redis.exceptions import RedisError

from recaudo.channels.content import PayRecord, PayToken
from recaudo.channels.content.render import Amount, locale_for, money
from recaudo.channels.content.reply import PlanOption
from recaudo.channels.payments import CheckoutOrder, PaymentService
from recaudo.contracts.codec import encode
from recaudo.contracts.events import (
    Channel,
    Intent,
    Money,
    PlanChoice,
    Promise,
    ResponseEvent,
)
from recaudo.contracts.state import AccountState
from recaudo.foundation.config import Settings
from recaudo.foundation.errors import ProviderError
from recaudo.rules.tenants import TenantPolicies
from recaudo.streams.conversation.plans import plan_options
from recaudo.streams.decision.promises import local_today
from recaudo.streams.state import DebtorState
from recaudo.web.body import read_body
from recaudo.web.keys import PUBLISHER, SETTINGS, STORE, TOPICS
from recaudo.web.pay import EXPIRED_PAGE, PAY_DIRECTORY, PAY_LINKS, PAY_PAGE
from recaudo.web.pay_texts import texts_for
from recaudo.web.problems import problem
from recaudo.web.security import page_headers
from recaudo.web.stores import stores_answer

#: How far ahead a debtor may promise on the page (a longer wait is a plan).
PROMISE_MAX_DAYS = 30
#: The hosted checkouts a form may end up on (CSP ``form-action`` follows redirects).
CHECKOUT_ORIGINS = (
    "https://checkout.stripe.com",
    "https://*.mercadopago.com",
    "https://*.mercadopago.com.ar",
    "https://*.mercadopago.com.br",
    "https://*.mercadopago.com.co",
    "https://*.mercadopago.com.mx",
    "https://*.mercadopago.com.pe",
    "https://*.mercadopago.cl",
    "https://*.mercadopago.com.uy",
)
PAGE = Path(__file__).parent / "pay_page.html"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True, slots=True)
class Visit:
    """A verified link and what the decision state knows of its account."""

    token: str
    link: PayToken
    record: PayRecord
    state: DebtorState
    account: AccountState | None
    today: dt.date

    @property
    def account_id(self) -> str:
        return self.record.account_id or ""

    @property
    def debtor_id(self) -> str:
        return self.record.debtor_id


class SelfService:
    def __init__(
        self, settings: Settings, policies: TenantPolicies, payments: PaymentService
    ) -> None:
        self._settings = settings
        self._policies = policies
        self._payments = payments
        origins = " ".join(CHECKOUT_ORIGINS)
        if settings.provider_base_url:
            origins += " " + settings.provider_base_url.rstrip("/")
        # The page's own headers (its one inline style allowed by hash), except that
        # its forms may post here and redirect on to a provider's hosted checkout.
        headers = page_headers(PAGE)
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "form-action 'none'", f"form-action 'self' {origins}"
        )
        self.headers = {**headers, "Cache-Control": "no-store"}

    # -- the page --------------------------------------------------------------------------

    async def page(
        self, request: web.Request, link: PayToken, record: PayRecord
    ) -> web.StreamResponse:
        visit = await self._visit(request, request.match_info["token"], link, record)
        query = request.query
        lang, t = texts_for(visit.state.lang)
        locale = locale_for(visit.state.lang, visit.state.jur)
        account = visit.account
        due = account.due if account is not None and account.status.value != "settled" else 0
        options = self._options(visit) if due > 0 else []
        notice, pay_plan = None, None
        if query.get("paid"):
            notice = t["paid"]
        elif query.get("done") == "promise":
            with_date = _date(query.get("on"))
            if with_date is not None:
                notice = t["promise_done"].format(date=format_date(with_date, "long", locale))
        elif query.get("done") == "plan" and account is not None:
            chosen = {o.count: o for o in options}.get(_int(query.get("n")) or 0)
            if chosen is not None:
                notice = t["plan_done"].format(**_plan_words(chosen, locale))
                pay_plan = {"count": chosen.count, "each": money(chosen.each, locale)}
        html = _ENV.get_template("pay_page.html").render(
            lang=lang,
            t=t,
            base=f"/pay/{visit.token}",
            creditor=account.cred if account is not None else None,
            reference=account.ref if account is not None else None,
            due=money(Amount(due, account.cur), locale) if account is not None and due else None,
            plans=[
                {"count": o.count, "label": t["plan_option"].format(**_plan_words(o, locale))}
                for o in options
            ],
            pay_plan=pay_plan,
            notice=notice,
            promise_min=(visit.today + dt.timedelta(days=1)).isoformat(),
            promise_max=(visit.today + dt.timedelta(days=PROMISE_MAX_DAYS)).isoformat(),
        )
        return web.Response(
            text=html, content_type="text/html", charset="utf-8", headers=self.headers
        )

    # -- the choices -----------------------------------------------------------------------

    async def checkout(self, request: web.Request) -> web.StreamResponse:
        visit, form = await self._posted(request)
        account = self._owing(visit)
        amount, instalments = account.due, _int(form.get("instalments"))
        if instalments is None and "instalments" in form:
            # Present but not a count: refused, not read as "pay in full".
            why = "a plan's count, 1 to 3 digits"
            raise problem(web.HTTPBadRequest, "invalid_parameter", why, "instalments")
        if instalments is not None:
            option = {o.count: o for o in self._options(visit)}.get(instalments)
            if option is None:
                raise problem(
                    web.HTTPConflict, "conflict", "no such plan for this account", "instalments"
                )
            amount = option.each.minor
        provider = self._payments.provider_for(account.cur)
        if provider is None:
            # No provider takes this currency: the tenant's own payment page.
            raise web.HTTPSeeOther(visit.record.target, headers={"Cache-Control": "no-store"})
        public = self._settings.public_base_url.rstrip("/")
        key = "|".join(
            [visit.link.contact_id, str(amount), str(instalments), visit.today.isoformat()]
        )
        lang, _ = texts_for(visit.state.lang)
        order = CheckoutOrder(
            tenant_id=visit.link.tenant_id,
            debtor_id=visit.debtor_id,
            account_id=visit.account_id,
            contact_id=visit.link.contact_id,
            amount_minor=amount,
            currency=account.cur,
            description=account.ref or visit.account_id,
            language=lang,
            return_url=f"{public}/pay/{visit.token}",
            notify_url=f"{public}/webhooks/payments/{provider.webhook}",
            idempotency_key=hashlib.sha256(key.encode()).hexdigest()[:40],
            payer_email=next(
                (p.addr for p in visit.state.points if p.ch is Channel.EMAIL and not p.out), None
            ),
        )
        try:
            checkout = await self._payments.checkout(provider, order)
        except (ProviderError, OSError) as exc:
            raise problem(
                web.HTTPServiceUnavailable,
                "unavailable",
                f"the payment provider did not open a checkout: {exc}",
                headers={"Retry-After": "5"},
            ) from None
        raise web.HTTPSeeOther(checkout.url, headers={"Cache-Control": "no-store"})

    async def plan(self, request: web.Request) -> web.StreamResponse:
        visit, form = await self._posted(request)
        self._owing(visit)
        count = _int(form.get("instalments"))
        if count is None or count not in {o.count for o in self._options(visit)}:
            raise problem(
                web.HTTPBadRequest,
                "invalid_parameter",
                "pick one of the plans shown",
                "instalments",
            )
        event = self._response(visit, f"plan:{count}", plan=PlanChoice(instalments=count))
        await self._publish(request, event)
        raise web.HTTPSeeOther(f"/pay/{visit.token}?done=plan&n={count}")

    async def promise(self, request: web.Request) -> web.StreamResponse:
        visit, form = await self._posted(request)
        account = self._owing(visit)
        due_on = _date(form.get("due_on"))
        last = visit.today + dt.timedelta(days=PROMISE_MAX_DAYS)
        if due_on is None or not visit.today < due_on <= last:
            raise problem(
                web.HTTPBadRequest,
                "invalid_parameter",
                f"a date after today and by {last.isoformat()}",
                "due_on",
            )
        promise = Promise(
            amount=Money(amount_minor=account.due, currency=account.cur), due_on=due_on
        )
        event = self._response(
            visit, f"promise:{due_on.isoformat()}", intent=Intent.PROMISE_TO_PAY, promise=promise
        )
        await self._publish(request, event)
        raise web.HTTPSeeOther(f"/pay/{visit.token}?done=promise&on={due_on.isoformat()}")

    # -- helpers ---------------------------------------------------------------------------

    def _options(self, visit: Visit) -> list[PlanOption]:
        account = visit.account
        if account is None:
            return []
        limits = self._policies(visit.link.tenant_id).assistant.plans
        return plan_options(limits, account.due, account.cur, visit.today)

    def _owing(self, visit: Visit) -> AccountState:
        account = visit.account
        if account is None or account.due <= 0:
            raise problem(web.HTTPConflict, "conflict", "nothing is due on this account")
        return account

    def _response(self, visit: Visit, what: str, **fields: Any) -> ResponseEvent:
        now = self._settings.clock().now()
        return ResponseEvent(
            # One choice a day per link: a double submit or a reload is one event.
            event_id=f"page:{visit.link.contact_id}:{what}:{visit.today.isoformat()}"[:128],
            tenant_id=visit.link.tenant_id,
            occurred_at=now,
            debtor_id=visit.debtor_id,
            account_id=visit.account_id,
            contact_id=visit.link.contact_id,
            channel=visit.record.channel,
            disposition="self_service",
            **fields,
        )

    async def _publish(self, request: web.Request, event: ResponseEvent) -> None:
        topics = request.app[TOPICS]
        await request.app[PUBLISHER].publish(topics.responses, event.debtor_id, encode(event))

    async def _posted(self, request: web.Request) -> tuple[Visit, dict[str, str]]:
        token = request.match_info["token"]
        link = request.app[PAY_LINKS].verify(token)
        if link is None or link.debtor_id is None:
            raise problem(web.HTTPNotFound, "not_found", "no such payment link", "token")
        if link.expired(self._settings.clock().now()):
            raise web.HTTPGone(text=EXPIRED_PAGE, content_type="text/html")
        with stores_answer("contact directory"):
            record = await request.app[PAY_DIRECTORY].pay_record(
                link.tenant_id, link.contact_id, link.debtor_id
            )
        if record is None:
            raise problem(web.HTTPNotFound, "not_found", "no such payment link", "token")
        body = await read_body(request, request.app[SETTINGS].http_body_timeout_s)
        # Blank fields kept: "instalments=" is a malformed count, not "pay in full".
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        form = {k: v[0] for k, v in fields.items() if v}
        return await self._visit(request, token, link, record), form

    async def _visit(
        self, request: web.Request, token: str, link: PayToken, record: PayRecord
    ) -> Visit:
        ref = (link.tenant_id, record.debtor_id)
        try:
            state = (await request.app[STORE].load([(ref, [])]))[ref].state
        except (RedisError, OSError) as exc:
            raise problem(
                web.HTTPServiceUnavailable,
                "unavailable",
                "event store unavailable, retry later",
                headers={"Retry-After": "5"},
            ) from exc
        account = state.accounts.get(record.account_id or "")
        today = local_today(state, self._settings.clock().now())
        return Visit(token, link, record, state, account, today)


def _plan_words(option: PlanOption, locale: str) -> dict[str, str]:
    return {
        "count": str(option.count),
        "each": money(option.each, locale),
        "first": format_date(option.first, "long", locale=locale),
    }


def _int(value: str | None) -> int | None:
    """1 to 3 ASCII digits (the documented ``^[0-9]{1,3}$``), else None. ``isdigit()``
    alone admits "²", which ``int()`` refuses, and "٣", which it reads as 3."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 3:
        return None
    return int(value)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def add_self_service_routes(app: web.Application, service: SelfService) -> None:
    app[PAY_PAGE] = service
    app.router.add_post("/pay/{token}/checkout", service.checkout)
    app.router.add_post("/pay/{token}/plan", service.plan)
    app.router.add_post("/pay/{token}/promise", service.promise)
