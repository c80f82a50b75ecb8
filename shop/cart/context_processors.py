def cart(request):
    """Header badge count. Filled in by the cart capability."""
    return {"cart_count": 0}
