from django.urls import path

from articles.api import changes, tracking, views
from config.replicas import read_view

# Every read-API view reads from a usable replica when DATABASE_REPLICA_URLS is set, and lets its own first
# query check a persistent connection (config/replicas.read_view).

app_name = "articles-api"
urlpatterns = [
    path("articles/", read_view(views.ArticleListView.as_view()), name="article-list"),
    path("articles/<slug:slug>/", read_view(views.ArticleDetailView.as_view()), name="article-detail"),
    path("articles/<slug:slug>/status/", read_view(tracking.ArticleStatusView.as_view()), name="article-status"),
    path("pending/<slug:slug>/", read_view(tracking.PendingContentView.as_view()), name="pending-content"),
    path("articles/<slug:slug>/changes/", read_view(changes.ArticleChangesView.as_view()), name="article-changes"),
    path("changes/", read_view(changes.ChangesFeedView.as_view()), name="changes"),
    path(
        "articles/<slug:slug>/versions/",
        read_view(views.ArticleVersionListView.as_view()),
        name="article-version-list",
    ),
    path(
        "articles/<slug:slug>/versions/<int:number>/",
        read_view(views.ArticleVersionDetailView.as_view()),
        name="article-version-detail",
    ),
]
