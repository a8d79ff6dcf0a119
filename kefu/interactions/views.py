from django.http import HttpResponse


def conversation_list(request):
    return HttpResponse("todo")


def conversation_detail(request, external_id):
    return HttpResponse("todo")


def customer_detail(request, external_id):
    return HttpResponse("todo")
