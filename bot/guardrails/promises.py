"""Promises recognised by meaning: a pattern library grown from the ways
support teams say the same thing ("you'll get your money back", "this one's
on us", "we'll waive the fee", "we accept liability").

Patterns are written in plain lower-case words as words.py spells them:
apostrophes dropped ("we'll" → "well", "won't" → "wont"), one space between
words. They run on the reply's `spaced_keys` and `merged_keys`, so lookalike
letters, leetspeak, invisible characters and inserted symbols are already
undone; the only cost is that "l" is merged with "i" there, which `_compile`
applies to the patterns too.

Negated wording still counts ("we can't refund this"): telling a refusal from
a promise is unreliable, and a needless look by an approver is cheaper than
an unreviewed promise.
"""
from __future__ import annotations

import re

from bot.guardrails.words import Words

_WE = r"(?:we|well|we will|wed|we would|we are|were|we re|we can|we shall|ill|i will|i|weve|we have|lets|let us|let me)"
_FEE = (r"(?:late |cancellation |change |overdraft |delivery |shipping |service |booking |admin |baggage |bag |"
        r"extra |overage |roaming |annual |monthly |membership |restocking |return |exit |early termination )?"
        r"(?:fee|fees|charge|charges|fine|fines|penalty|penalties|surcharge)")
_WHEN = (r"(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
         r"mon|tue|wed|thu|fri|sat|sun|the weekend|this weekend|next week|this week|end of (?:the )?(?:day|week)|"
         r"january|february|march|april|may|june|july|august|september|october|november|december|"
         r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|the \d+(?:st|nd|rd|th|7h)?|\d+(?:st|nd|rd|th|7h)|"
         r"\d+ \d+|(?:the )?next \d+ (?:business |working )?(?:days?|hours?)|\d+ (?:business |working )?(?:days?|hours?))")

# The most specific families first: at one place in the text, the first family
# whose pattern matches wins ("we'll pay for the repairs" is liability, not compensation).
FAMILIES: dict[str, tuple[str, list[str]]] = {
    "refund": ("promises a refund", [
        r"refund", r"reimburs", r"chargeback", r"money back", r"(?:pay|paying|paid) you back",
        r"(?:return|returning|give|giving|send|sending|get|getting|have|having|put|putting) (?:you )?"
        r"(?:back )?(?:your|the|all (?:of )?(?:your|the)) (?:full |entire |whole )?(?:money|payment|funds|cash|fare|"
        r"deposit)(?: back)?\b",
        r"(?:reverse|reversing|reversed|void|voiding|voided) (?:the|that|this|your|those|these) (?:\w+ )?"
        r"(?:charge|payment|transaction|debit)s?",
        r"(?:charge|payment|transaction)s? (?:will be|has been|have been|was|were|is being|are being|gets|get) "
        r"(?:reversed|refunded|returned|credited back|voided)",
        r"credit(?:ed|ing)? (?:it |that |this |the (?:full )?amount |the (?:full )?cost |the money )?back",
        r"(?:full|every) (?:penny|cent|dollar) back",
        r"consider (?:the|that|this|your) (?:charge|payment|transaction|debit)s? (?:reversed|refunded|voided|cancelled|"
        r"canceled|gone|removed)",
        r"(?:charge|payment|transaction|debit)s? (?:is|are|now|is now|are now) (?:reversed|refunded|voided)",
        r"(?:money|payment|funds|amount|cash|fare|deposit|\d+)s? (?:is |are )?(?:on (?:its|the|their) way|heading|"
        r"coming) back",
        r"(?:sent|send|sending|put|putting|paid|pay|paying|transferred|transfer|returned|return|credited|moved)"
        r" (?:the |your |that |this |those )?(?:full )?(?:\d+|amount|money|sum|balance|difference|funds|payment|fare|"
        r"deposit|cash)s? back",
        r"(?:see|get|receive|have|getting|seeing|receiving) (?:the |your |that |this |all the |all your )?(?:full )?"
        r"(?:\d+|amount|money|funds|payment|sum|difference|fare|deposit|cash)s? back",
        r"back (?:to|into|on|onto) your (?:card|account|bank|original payment|payment method|credit card|debit card)",
        r"(?:money|funds|amount|difference|payment|fare|deposit|cash|[s$]?\d+)s?(?: \w+){0,3} back "
        r"(?:to you|within|in|by|on|onto|into|to your|soon|shortly|today|tomorrow)\b",
        r"(?:paid|sent|given|returned|credited|transferred) back to you",
        r"(?:return|returning|send|sending|give|giving|transfer|transferring|credit|crediting|put|putting) "
        r"(?:the |your )?[s$]\d+ (?:back )?(?:to|into|onto|on) your",
        r"(?:money|payment|funds|deposit|fare|cost)s? (?:will be|has been|have been|is being|are being|gets|get) "
        r"(?:returned|refunded|credited|sent back|paid back|put back|given back)",
    ]),
    "fee_waiver": ("promises to waive a fee", [
        r"waiv", _FEE + r" (?:will be|has been|have been|is|are|gets|get|been|was|were) (?:removed|dropped|"
        r"cancelled|canceled|written off|wiped|taken off|scrapped|reversed|credited)",
        r"(?:remove|removing|drop|dropping|cancel|cancelling|wipe|wiping|take off|write off|writing off|scrap|"
        r"scrapping|forgive|forgiving) (?:the|that|this|your|those|these|any|all|all the) " + _FEE,
        r"(?:wont|will not|not going to|dont|do not|never) (?:be )?(?:charg(?:e|ing)|bill(?:ing)?|invoic(?:e|ing)) you",
        r"(?:wont|will not) be charged", r"no " + _FEE + r" (?:will|for you|this time|applies|apply)",
        r"(?:fee|charge)[ -]?free", r"let (?:it|the fee|this one|this) slide",
        r"(?:zeroed|zero|zeroing) out (?:the|that|this|your|those|these|any) " + _FEE,
        r"(?:dropped|removed|cancelled|canceled|wiped|scrapped|forgave|forgiven|cleared|clearing|clear|struck) "
        r"(?:the|that|this|your|those|these|any|all|all the) " + _FEE,
        r"(?:wont|will not|dont|do not|neednt|need not|shouldnt|should not)(?: have to| need to)? pay (?:the|that|this|"
        r"any|a|those|these|an) " + _FEE,
        _FEE + r" (?:is|are|has been|have been) (?:now )?(?:gone|removed|dropped|cleared|wiped|scrapped|waived|off)\b",
        _FEE + r" (?:\w+ ){0,2}(?:wont|will not|doesnt|does not|no longer|shouldnt|should not) apply",
        r"exempt from (?:the|any|this|that|your|all|all the) " + _FEE,
        r"(?:taken|took|take|taking|knocked|knock|knocking|struck|strike) (?:the|that|this|your|those|these) " + _FEE
        + r" off",
        r"no " + _FEE + r" for (?:the|this|that|your|changing|cancelling|canceling|rebooking|it)\b",
    ]),
    "replacement": ("promises a replacement", [
        # A commitment, not a mention: "we'll replace it", "a replacement ships today" (but not
        # "we've sent you a DM to sort out a replacement").
        _WE + r"(?: \w+){0,2} (?:replace|replacing) (?:it|them|that|this|your \w+|the \w+|all|everything)",
        _WE + r"(?: \w+){0,2} (?:send|sending|ship|shipping|issue|issuing|arrange|arranging|organise|organising|"
        r"organize|get|getting|post|posting|courier|order|ordering) (?:you |out |over )?(?:a |an |the |your )?"
        r"(?:\w+ )?replacements?",
        r"replacements?(?: \w+){0,2} (?:is|are|will be|has been|have been|ships|shipped|goes|went|is being|"
        r"on its way|on the way|heading|coming|in the post)",
        r"(?:send|sending|sent|ship|shipping|shipped|post|posting|posted|mail|mailing|mailed|get|getting|give|giving|"
        r"swap|swapping|swapped|exchange|exchanging|exchanged|have|courier|couriering|couriered|dispatched|dispatch)"
        r" (?:you |out |over )?(?:a |an )?(?:brand new|new|fresh|"
        r"another|second|different|working|spare) (?:one|unit|item|device|pair|order|box|parcel|package|\w+)",
        r"(?:swap|exchange) (?:it|that|this|them|your \w+)(?: out| over| for)?",
        r"(?:resend|re send|reship|re ship|redeliver|re deliver|send (?:it|them|that|everything) again)",
        r"free (?:replacement|exchange|repair|swap)",
        r"(?:new|another|fresh) one (?:is |will be )?(?:on (?:its|the) way|out to you|in the post|heading)",
        r"(?:new|another|fresh|second|spare|replacement) (?:\w+ ){0,2}(?:is |are |will be )?"
        r"(?:on (?:its|the|their) way|in the post|heading your way|coming your way|out to you|being sent|being shipped)",
    ]),
    "delivery": ("promises a delivery date", [
        r"expect (?:it|them|delivery|your \w+|the \w+)(?: \w+){0,2} (?:by |on |before |within |in |for )?" + _WHEN
        + r"\b",
        r"(?:\w+ll|will|shall|going to|gonna|should|expect|promise|ensure|make sure|definitely|guarantee\w*|"
        r"scheduled to|due to|set to|on track to|slated to|booked to)"
        r"(?: \w+){0,3} (?:arriv\w*|deliver\w*|reach(?:es)? you|be with you|be there|be at your door|get to you|land|lands|"
        r"ship|ships|shipped|dispatch\w*|receive it|receive your \w+|have it|get it|expect it|expect your \w+|"
        r"see it|in your hands|on your doorstep|at your door|(?:have|get|receive|see) (?:it|them|the \w+|your \w+))"
        r"(?: \w+){0,3} (?:by |on |before |no later than |within |in |for |this |next )?" + _WHEN + r"\b",
    ]),
    "fault": ("admits fault", [
        r"our (?:fault|mistake|error|bad|blunder|screw up|screwup|mess up)", r"we admit",
        r"we (?:\w+ )?(?:messed|screwed|mucked|goofed|stuffed|slipped|fouled) (?:(?:this|that|it|things|your \w+)"
        r"(?: one)? )?up",
        r"we (?:\w+ )?botched", r"(?:the )?(?:mistake|error|fault|blame|screw up|oversight) (?:is|was|were) "
        r"(?:all |entirely |completely |totally )?(?:ours|on us|on u s\b|our own)",
        r"(?:who|that) (?:got|messed|screwed|mucked) (?:it|this|that|things) (?:wrong|up)",
        r"(?:we|weve|we have|we ve) (?:made|make) (?:a|an|the|this) (?:mistake|error|blunder)",
        r"(?:we are|were|we re) (?:to blame|at fault|in the wrong)", r"we were at fault",
        r"(?:its|thats|this is|that is|it is|this was|that was|it was) (?:entirely |completely |totally |all |fully |"
        r"100 )?(?:on us|on u s\b|our doing|down to us)",
        r"we (?:dropped|fumbled) the ball", r"we got (?:\w+ ){1,2}wrong",
        r"we (?:take|accept|own) (?:full |complete |all |total )?(?:the )?(?:responsibility|blame)",
        r"we failed you", r"(?:fault|blame) (?:is|was|lies|rests) (?:entirely |fully |squarely )?(?:ours|with us)",
        r"(?:mistake|error|failure|oversight|slip up|slip|fault|blunder|goof|screw up|mix up)(?: was| is|s)? "
        r"(?:on|from) our (?:part|end|side)",
        r"our (?:system|team|staff|agent|courier|driver|store|app|website|warehouse|technician)s? (?:\w+ )?"
        r"(?:made an error|made a mistake|messed up|got it wrong|double charged you|overcharged you|"
        r"charged you twice|lost your \w+|damaged your \w+|broke your \w+)", r"we own (?:this|that|the mistake|it)",
    ]),
    "liability": ("admits liability", [
        r"liab(?:le|ility|ilities)", r"legally", r"negligen",
        r"(?:responsible|accountable) for (?:the|any|all|your) (?:damage|damages|loss|losses|injury|injuries|costs)",
        r"(?:cover|covering|pay for|paying for|foot|footing) (?:the |all |any |all the )?(?:cost|costs|bill|bills) "
        r"(?:of|for) (?:the |your |any |all )?(?:repair|repairs|damage|damages|medical|vet|losses|injury|injuries)",
        _WE + r" (?:pay|cover|reimburse|foot|be paying) (?:for )?(?:the |all |any |your |all the )?"
        r"(?:damage|damages|costs|repair|repairs|expenses|medical|bills?|losses|vet)",
    ]),
    "compensation": ("promises compensation", [
        r"compensat", r"(?:ones|one is|be|is|its|thats|its all|this is|are) on (?:us|u s\b|the house)",
        r"on the house", r"make (?:it|this|that) up to you", r"goodwill", r"bonus (?:points|miles|credits)",
        r"make it worth your while", r"comp(?:ed|ing)? (?:your|you|the|that|this)\b",
        r"accept (?:this|a|our|the) (?:small |little )?(?:[s$]?\d+ )?(?:credit|voucher|gift|token|gesture|discount|"
        r"coupon|refund)", r"[s$]?\d+ (?:\w+ )?(?:credit|voucher|coupon)",
        r"(?:added|add|adding|credited|crediting|giving|give|gave|deposited|awarded|award|offer|offering|loaded)"
        r" (?:you )?(?:an? )?(?:extra |bonus |additional )?\d+(?: \d{3})* (?:bonus |extra |reward )?"
        r"(?:points|miles|credits|tokens)",
        r"(?:points|miles|month|months|night|drink|meal|coffee|dessert|upgrade|delivery|shipping|lunch|dinner|round)"
        r" (?:is |are )?on (?:us|u s)\b", r"voucher", r"gift ?card",
        r"(?:store|account|travel|service|bill) credit", r"credit of \d",
        r"credit (?:to |on |into |towards? |against |off )?(?:your|the) (?:next )?(?:account|bill|invoice|statement|"
        r"order|booking|purchase|card|wallet)", r"(?:full|partial) credit",
        r"(?:next|first|following) (?:\w+ ){1,3}(?:is |are |will be |s |is going to be )?(?:free|on us|"
        r"complimentary)\b", r"credit\w* (?:you )?[s$]?\d+",
        _WE + r" (?:make|put|set) (?:it|this|that|things) right", r"complimentary",
        r"at no (?:extra |additional )?(?:cost|charge)", r"for free\b", r"free of charge",
        r"free (?:month|months|upgrade|night|nights|meal|shipping|delivery|service|gift|item|coffee|drink|ticket)",
        r"\d+ (?:percent |per cent )?(?:off|discount)", r"discount (?:on|off|code)", r"knock (?:\w+ ){1,2}off",
        r"(?:wont|will not|shouldnt|should not|not going to|doesnt|does not) cost you (?:a thing|anything|a penny|"
        r"a cent|a dime|extra|more)",
        _WE + r" (?:cover|pay for|foot the bill|pick up the (?:bill|tab|cost))",
    ]),
}


def _compile() -> re.Pattern:
    # Key strings merge "l" into "i" (see words.py), so the patterns must too.
    # One alternation with a group per family: one pass finds every family.
    groups = "|".join(f"(?P<{name}>{'|'.join(f'(?:{p})' for p in patterns).replace('l', 'i')})"
                      for name, (_, patterns) in FAMILIES.items())
    return re.compile(f" (?:{groups})")


_PATTERN = _compile()
LABELS = {name: label for name, (label, _) in FAMILIES.items()}


def find(words: Words, families: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """(original start, family, text as written) for each family found, in
    order of appearance."""
    if not families:
        return []
    found: dict[str, tuple[int, str, str]] = {}
    for keys, tokens in words.key_strings():
        for m in _PATTERN.finditer(keys):
            name = m.lastgroup
            if name in families and name not in found:
                index = keys.count(" ", 0, m.start() + 1) - 1  # keys start with a space
                start, written = words.locate(tokens if tokens is not None else words.tokens, index, m.group().strip().count(" ") + 1)
                found[name] = (start, name, written)
    return sorted(found.values())
