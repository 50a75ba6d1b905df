from django.urls import path

from articles.api import changes, tracking, views
from config.replicas import replica_reads

# Every read-API view reads from a usable replica when DATABASE_REPLICA_URLS is set (config/replicas.py).

app_name = "articles-api"
urlpatterns = [
    path("articles/", replica_reads(views.ArticleListView.as_view()), name="article-list"),
    path("articles/<slug:slug>/", replica_reads(views.ArticleDetailView.as_view()), name="article-detail"),
    path("articles/<slug:slug>/status/", replica_reads(tracking.ArticleStatusView.as_view()), name="article-status"),
    path("pending/<slug:slug>/", replica_reads(tracking.PendingContentView.as_view()), name="pending-content"),
    path("articles/<slug:slug>/changes/", replica_reads(changes.ArticleChangesView.as_view()), name="article-changes"),
    path("changes/", replica_reads(changes.ChangesFeedView.as_view()), name="changes"),
    path(
        "articles/<slug:slug>/versions/",
        replica_reads(views.ArticleVersionListView.as_view()),
        name="article-version-list",
    ),
    path(
        "articles/<slug:slug>/versions/<int:number>/",
        replica_reads(views.ArticleVersionDetailView.as_view()),
        name="article-version-detail",
    ),
]
