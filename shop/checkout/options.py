from shop.coupons.selectors import checkout_options


class Option:
    def __init__(self, claimed):
        self.pk = claimed.pk
        self.claimed = claimed
        self.label = f"{claimed.coupon.name} · {claimed.coupon.headline}"


def coupon_options(user, lines, *, now):
    """(cart line id → coupon options for its product, global coupon options)."""
    per_product, global_coupons = checkout_options(user, [line.product_id for line in lines], now)
    line_options = {line.pk: [Option(c) for c in per_product.get(line.product_id, [])] for line in lines}
    return line_options, [Option(c) for c in global_coupons]
