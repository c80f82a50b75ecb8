from django.http import HttpResponse


def session_list(request):
    return HttpResponse("")


def session_detail(request, pk):
    return HttpResponse("")


def lot_detail(request, pk):
    return HttpResponse("")
